{#- Regular expressions differ by engine; models call these instead. -#}
{% macro regexp_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'lifecycle')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regexp_matches(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_matches(expression, pattern) -%}
    ({{ expression }} rlike {{ spark_regexp_literal('^(?:' ~ pattern ~ ')$') }})
{%- endmacro %}


{#- Replace every match of pattern (not only the first). -#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'lifecycle')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ spark_regexp_literal(pattern) }}, '{{ replacement }}')
{%- endmacro %}


{#- A pattern written for DuckDB (RE2) as a Spark SQL string literal for Java's regex engine.
    Java reads a POSIX class such as [[:punct:]] as the letters : p u n c t (so 'Patrick' would
    lose letters), and Spark's string literals treat a backslash as an escape ('\s' would reach
    the regex as 's'). The ASCII classes are translated to Java's equivalents, then every
    backslash is doubled. -#}
{% macro spark_regexp_literal(pattern) -%}
    {%- set java = pattern
        | replace('[:punct:]', '\\p{Punct}')
        | replace('[:space:]', '\\s')
        | replace('[:digit:]', '\\d')
        | replace('[:alpha:]', '\\p{Alpha}')
        | replace('[:alnum:]', '\\p{Alnum}')
        | replace('[:upper:]', '\\p{Upper}')
        | replace('[:lower:]', '\\p{Lower}') -%}
    '{{ java | replace('\\', '\\\\') }}'
{%- endmacro %}


{#- A text field of a JSON text column (top-level key). -#}
{% macro json_text(json_column, key) -%}
    {{ return(adapter.dispatch('json_text', 'lifecycle')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_text(json_column, key) -%}
    json_extract_path_text({{ json_column }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(json_column, key) -%}
    json_extract_string(try_cast({{ json_column }} as json), '$.{{ key }}')
{%- endmacro %}

{% macro spark__json_text(json_column, key) -%}
    get_json_object({{ json_column }}, '$.{{ key }}')
{%- endmacro %}


{#- Several keys of one JSON object as a struct of text fields (read them as `alias.key`): the
    text is parsed once, not once per key (four keys of every product event were a tenth of
    the events' staging). Null, or null fields, where the text is not a JSON object. -#}
{% macro json_text_fields(json_column, keys) -%}
    {{ return(adapter.dispatch('json_text_fields', 'lifecycle')(json_column, keys)) }}
{%- endmacro %}

{% macro default__json_text_fields(json_column, keys) -%}
    named_struct({% for key in keys %}'{{ key }}', {{ json_text(json_column, key) }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro duckdb__json_text_fields(json_column, keys) -%}
    json_transform(
        try_cast({{ json_column }} as json),
        '{ {%- for key in keys %}"{{ key }}": "VARCHAR"{{ ", " if not loop.last }}{% endfor -%} }'
    )
{%- endmacro %}

{% macro spark__json_text_fields(json_column, keys) -%}
    from_json({{ json_column }}, '{% for key in keys %}{{ key }} string{{ ", " if not loop.last }}{% endfor %}')
{%- endmacro %}
