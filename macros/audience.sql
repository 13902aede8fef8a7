{#- One audience: the common column layout (SPEC "Audiences"), the consent filter of its channel
    and a reason per member. Every audience model is a single call, so the layout cannot drift. -#}
{% macro audience(name, channel, condition, reason, offer) %}

with

profiles as (
    select * from {{ ref('customer_profiles') }}
),

contacts as (
    select * from {{ ref('int_audience_contacts') }}
),

reachability as (
    select * from {{ ref('int_customer_reachability') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

final as (
    select
        cast('{{ name }}' as {{ dbt.type_string() }}) as audience,
        profiles.customer_key,
        profiles.customer_id,
        cast('{{ channel }}' as {{ dbt.type_string() }}) as channel,
        contacts.google_email_sha256 as email_sha256,
        contacts.google_phone_sha256 as phone_sha256,
        contacts.google_first_name_sha256 as first_name_sha256,
        contacts.google_last_name_sha256 as last_name_sha256,
        profiles.country_code as country,
        contacts.google_zip as postal_code,
        profiles.language,
        profiles.timezone,
        profiles.best_send_hour_local,
        cast({{ offer }} as {{ dbt.type_string() }}) as recommended_offer,
        cast({{ reason }} as {{ dbt.type_string() }}) as reason,
        as_of.as_of_at as computed_at,
        as_of.as_of_at as updated_at
    from profiles
    cross join as_of
    inner join contacts on profiles.customer_key = contacts.customer_key
    inner join reachability on profiles.customer_key = reachability.customer_key
    where reachability.can_{{ channel }}
        and ({{ condition }})
)

select * from final

{% endmacro %}
