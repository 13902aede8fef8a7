{#- Campaigns that passed every check, one row per campaign_id, cost in the reporting currency. -#}
with

campaigns as (
    select * from {{ ref('base_raw__campaigns') }}
    where quarantine_reason is null
),

rates as (
    select * from {{ ref('currency_rates') }}
),

reporting_rate as (
    select usd_per_unit from rates
    where currency_code = '{{ var("reporting_currency") }}'
),

final as (
    select
        -- ids
        campaigns.campaign_id,

        -- strings
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.journey,
        campaigns.target_stage,

        -- numerics
        cast(
            {{ round_double(
                'cast(campaigns.cost * rates.usd_per_unit as double) / reporting_rate.usd_per_unit', 2
            ) }}
            as decimal(18, 2)
        ) as cost,

        -- booleans
        campaigns.has_control_group,

        -- timestamps
        campaigns.started_at,
        campaigns.ended_at,
        campaigns._loaded_at

    from campaigns
    inner join rates
        on campaigns.currency_code = rates.currency_code
    cross join reporting_rate
)

select * from final
