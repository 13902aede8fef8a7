{#- Small, named cleaning rules shared by the staging models. Each takes a raw text column. -#}

{#- Trimmed text; empty strings become null (CSV exports write nulls as ''). -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro is_blank(column) -%}
    ({{ clean_text(column) }} is null)
{%- endmacro %}

{#- Characters that print as nothing but make two strings differ: zero-width space, non-joiner
    and joiner, left-to-right and right-to-left marks and embeddings, word joiner and invisible
    operators, byte order mark, soft hyphen, and the no-break spaces trim() keeps. An address
    copied from a web page or a spreadsheet carries them, and the hash Google and Meta match on
    would differ (issue 20). RE2 and Java both read \x{...}. -#}
{% macro invisible_characters() -%}
    [\x{200B}-\x{200F}\x{202A}-\x{202F}\x{2060}-\x{2064}\x{FEFF}\x{00AD}\x{00A0}]
{%- endmacro %}

{#- Emails are matched trimmed, lower-cased (as Google and Meta normalize them) and without
    invisible characters. -#}
{% macro normalize_email(column) -%}
    lower(nullif(trim({{ regexp_replace_all(column, invisible_characters(), '') }}), ''))
{%- endmacro %}

{#- Deliberately loose: one @, no spaces, a dot in the domain. Mail servers decide the rest. -#}
{% macro is_malformed_email(column) -%}
    ({{ normalize_email(column) }} is not null
        and not {{ regexp_matches(normalize_email(column), '[^@ ]+@[^@ ]+[.][^@ ]+') }})
{%- endmacro %}

{% macro parse_decimal(column) -%}
    {{ dbt.safe_cast(clean_text(column), 'decimal(28, 6)') }}
{%- endmacro %}

{#- Whole numbers only ('3', '3.0', '1e3'): a plain cast of '1.5' to an integer rounds it to 2 on
    DuckDB and truncates it to 1 on Spark, silently; here it does not parse, so the row is
    quarantined as unparseable_number (found by the bad-input corpus). -#}
{% macro parse_integer(column) -%}
    case
        when {{ parse_decimal(column) }} = floor({{ parse_decimal(column) }})
            then {{ dbt.safe_cast(parse_decimal(column), dbt.type_bigint()) }}
    end
{%- endmacro %}

{#- 'true'/'false' and the usual spreadsheet spellings. -#}
{% macro parse_boolean(column) -%}
    case
        when lower({{ clean_text(column) }}) in ('true', 't', 'yes', 'y', '1') then true
        when lower({{ clean_text(column) }}) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}

{#- True when a value was delivered but does not parse: such rows are quarantined, not nulled. -#}
{% macro fails_timestamp(column) -%}
    ({{ clean_text(column) }} is not null and {{ parse_timestamp(clean_text(column)) }} is null)
{%- endmacro %}

{% macro fails_decimal(column) -%}
    ({{ clean_text(column) }} is not null and {{ parse_decimal(column) }} is null)
{%- endmacro %}

{% macro fails_integer(column) -%}
    ({{ clean_text(column) }} is not null and {{ parse_integer(column) }} is null)
{%- endmacro %}

{#- A parsed timestamp after the load time (plus the allowed clock skew) cannot be real. -#}
{% macro is_future(column) -%}
    ({{ parse_timestamp(clean_text(column)) }} > {{ dbt.dateadd('hour', var('max_future_skew_hours'), '_loaded_at') }})
{%- endmacro %}

{#- A parsed timestamp before var earliest_plausible_date is an export's placeholder for "no
    time" (1970-01-01, 0001-01-01, -infinity), not a real one: quarantined as
    implausible_timestamp, so no fact lands in 1970 and no model meets -infinity (issue 20).
    Takes any number of columns; birth dates are not event times and are not checked. -#}
{% macro is_implausibly_early() -%}
    (
    {%- for column in varargs %}
        {{ parse_timestamp(clean_text(column)) }} < cast('{{ var("earliest_plausible_date") }}' as {{ dbt.type_timestamp() }})
        {{- ' or' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}
