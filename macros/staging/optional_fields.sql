{#- Optional fields that fail their check: the value is nulled and the row kept. Only a failure
    of the key or of a required field quarantines a row (quarantine_verdict); a malformed
    optional email, an unparseable or implausible (placeholder) optional timestamp or amount
    costs that value only, and
    staging.nulled_values records which row, which column and why.
    Not listed, so still quarantined when invalid: fields whose absence has a meaning that a null
    would silently substitute (order status -> completed, currency -> the reporting currency,
    order line quantity -> 1, consent purpose -> marketing, campaign is_control -> false). -#}
{% macro optional_field_checks(table_name) -%}
    {%- set checks = {
        'orders': [
            ('email', 'malformed_email'),
            ('discount_amount', 'unparseable_number'),
            ('shipping_amount', 'unparseable_number'),
            ('tax_amount', 'unparseable_number'),
            ('updated_at', 'unparseable_timestamp'),
            ('updated_at', 'implausible_timestamp'),
        ],
        'order_items': [
            ('unit_price', 'unparseable_number'),
            ('unit_price', 'negative_amount'),
            ('discount_amount', 'unparseable_number'),
        ],
        'products': [
            ('price', 'unparseable_number'),
            ('price', 'negative_amount'),
            ('launched_at', 'unparseable_timestamp'),
            ('launched_at', 'implausible_timestamp'),
        ],
        'customers': [
            ('email', 'malformed_email'),
            ('birth_date', 'unparseable_timestamp'),
            ('created_at', 'unparseable_timestamp'),
            ('created_at', 'future_timestamp'),
            ('created_at', 'implausible_timestamp'),
            ('updated_at', 'unparseable_timestamp'),
            ('updated_at', 'implausible_timestamp'),
        ],
        'events': [
            ('email', 'malformed_email'),
            ('received_at', 'unparseable_timestamp'),
        ],
        'campaigns': [
            ('started_at', 'unparseable_timestamp'),
            ('started_at', 'implausible_timestamp'),
            ('ended_at', 'unparseable_timestamp'),
            ('ended_at', 'implausible_timestamp'),
            ('cost', 'unparseable_number'),
            ('cost', 'negative_amount'),
        ],
        'survey_responses': [
            ('responded_at', 'unparseable_timestamp'),
            ('responded_at', 'future_timestamp'),
            ('responded_at', 'implausible_timestamp'),
        ],
        'referrals': [
            ('referred_email', 'malformed_email'),
            ('created_at', 'unparseable_timestamp'),
            ('created_at', 'future_timestamp'),
            ('created_at', 'implausible_timestamp'),
            ('converted_at', 'unparseable_timestamp'),
            ('converted_at', 'implausible_timestamp'),
        ],
    } -%}
    {{ return(checks.get(table_name, [])) }}
{%- endmacro %}


{#- The optional columns of a table that have checks, in the order first listed. -#}
{% macro optional_checked_columns(table_name) -%}
    {%- set columns = [] -%}
    {%- for column, reason in optional_field_checks(table_name) -%}
        {%- if column not in columns -%}{%- do columns.append(column) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- True when the delivered value fails the check named by `reason`. -#}
{% macro value_fails(reason, raw_column) -%}
    {%- if reason == 'malformed_email' -%}
        {{ is_malformed_email(raw_column) }}
    {%- elif reason == 'unparseable_timestamp' -%}
        {{ fails_timestamp(raw_column) }}
    {%- elif reason == 'future_timestamp' -%}
        coalesce({{ is_future(raw_column) }}, false)
    {%- elif reason == 'implausible_timestamp' -%}
        coalesce({{ is_implausibly_early(raw_column) }}, false)
    {%- elif reason == 'unparseable_number' -%}
        {{ fails_decimal(raw_column) }}
    {%- elif reason == 'negative_amount' -%}
        coalesce({{ parse_decimal(raw_column) }} < 0, false)
    {%- else -%}
        {{ exceptions.raise_compiler_error("value_fails: no check for reason '" ~ reason ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#- Why the optional column's delivered value is nulled (the first failing check), null if kept.
    Reads the raw column as source.<column>. -#}
{% macro nulled_reason(table_name, column) -%}
    case
        {%- for checked_column, reason in optional_field_checks(table_name) if checked_column == column %}
        when {{ value_fails(reason, 'source.' ~ column) }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- `expression` (the parsed value of an optional column), or null when its value failed a check. -#}
{% macro unless_nulled(table_name, column, expression) -%}
    case when ({{ nulled_reason(table_name, column) }}) is null then {{ expression }} end
{%- endmacro %}


{#- One column per checked optional column, `_nulled_<column>`: the reason its value was nulled.
    For the `checked` CTE of a base_raw__ model; staging.nulled_values unions them. -#}
{% macro nulled_reason_columns(table_name) -%}
    {%- for column in optional_checked_columns(table_name) %}
        {{ nulled_reason(table_name, column) }} as _nulled_{{ column }},
    {%- endfor %}
{%- endmacro %}
