{#- Ad-network identifier normalization + SHA-256, implemented once.
    Google Customer Match and Meta Custom Audiences normalize differently, so each field has a
    platform. Null or empty input gives a null hash, never the hash of ''. -#}

{% macro normalized_identifier(platform, field, expression) -%}
    {%- set value = "nullif(trim(" ~ expression ~ "), '')" -%}
    {%- if field == 'email' -%}
        lower({{ value }})
    {%- elif field == 'phone' and platform == 'google' -%}
        {#- E.164 with the plus sign: +16502531234 (staging already made phone_e164) -#}
        {{ value }}
    {%- elif field == 'phone' and platform == 'meta' -%}
        {#- digits only, with the country code, no plus, no leading trunk zero -#}
        nullif({{ regexp_replace_all(value, '[^0-9]', '') }}, '')
    {%- elif field == 'first_name' and platform == 'google' -%}
        {#- lower case, runs of spaces collapsed -#}
        lower({{ regexp_replace_all(value, '\\s+', ' ') }})
    {%- elif field == 'last_name' and platform == 'google' -%}
        {#- lower case, punctuation removed -#}
        nullif(lower({{ regexp_replace_all(value, '[[:punct:]]', '') }}), '')
    {%- elif field in ('first_name', 'last_name') and platform == 'meta' -%}
        nullif(lower({{ regexp_replace_all(value, '[[:punct:][:space:]]', '') }}), '')
    {%- elif field in ('city', 'state') -%}
        {#- Meta: no digits, spaces or punctuation -#}
        nullif(lower({{ regexp_replace_all(value, '[[:punct:][:space:][:digit:]]', '') }}), '')
    {%- elif field == 'zip' and platform == 'meta' -%}
        {#- no spaces, only the part before a dash -#}
        nullif(lower({{ dbt.split_part(regexp_replace_all(value, '\\s', ''), "'-'", 1) }}), '')
    {%- elif field == 'zip' -%}
        {{ value }}
    {%- elif field == 'country' and platform == 'meta' -%}
        lower({{ value }})
    {%- elif field == 'country' -%}
        upper({{ value }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("normalized_identifier: no rule for " ~ platform ~ " " ~ field) }}
    {%- endif -%}
{%- endmacro %}

{% macro hashed_identifier(platform, field, expression) -%}
    {{ sha256(normalized_identifier(platform, field, expression)) }}
{%- endmacro %}
