{#- Customers that passed every check, one row per customer_id; phones in E.164. -#}
with

customers as (
    select * from {{ ref('base_raw__customers') }}
    where quarantine_reason is null
),

countries as (
    select * from {{ ref('countries') }}
),

phones as (
    select
        customers.customer_id,
        -- '+49 (0) 30 123456': a trunk prefix written as (0) is not dialled after the country code
        -- (Germany, the UK, Switzerland, Austria, the Netherlands write numbers so); in a national
        -- number it is the trunk prefix, dropped below anyway
        {{ regexp_replace_all(regexp_replace_all('customers.phone_raw', '[(]0[)]', ''), '[^0-9]', '') }} as digits,
        customers.phone_raw like '+%' as has_plus,
        countries.calling_code,
        countries.trunk_prefix
    from customers
    left join countries
        on customers.country_code = countries.country_code
),

phones_e164 as (
    -- '+CC...' and '00CC...' are international; anything else is national: drop the trunk
    -- prefix and prepend the calling code of the customer's country.
    select
        customer_id,
        case
            when has_plus then digits
            when digits like '00%' then {{ dbt.right('digits', dbt.length('digits') ~ ' - 2') }}
            when calling_code is null then null
            when trunk_prefix is not null and digits like {{ dbt.concat(['trunk_prefix', "'%'"]) }}
                then {{ dbt.concat(['calling_code', dbt.right('digits', dbt.length('digits') ~ ' - ' ~ dbt.length('trunk_prefix'))]) }}
            else {{ dbt.concat(['calling_code', 'digits']) }}
        end as international_digits
    from phones
),

final as (
    select
        -- ids
        customers.customer_id,

        -- strings
        customers.email,
        -- E.164 allows at most 15 digits; shorter than 8 is not a reachable number
        case
            when {{ dbt.length('phones_e164.international_digits') }} between 8 and 15
                then {{ dbt.concat(["'+'", 'phones_e164.international_digits']) }}
        end as phone_e164,
        customers.phone_raw,
        customers.first_name,
        customers.last_name,
        customers.country_code,
        customers.region,
        customers.city,
        customers.postal_code,
        -- an unknown zone would break local-time conversions later: null it, keep the raw value
        case when {{ is_known_timezone('customers.timezone') }} then customers.timezone end as timezone,
        customers.timezone as timezone_raw,
        customers.language,
        customers.gender,

        -- dates and timestamps
        customers.birth_date,
        customers.created_at,
        customers.updated_at,
        customers._loaded_at

    from customers
    left join phones_e164
        on customers.customer_id = phones_e164.customer_id
)

select * from final
