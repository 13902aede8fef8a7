{#- Campaigns that passed every check, one row per campaign_id, cost in the reporting currency. -#}
with

campaigns as (
    select * from {{ ref('base_raw__campaigns') }}
    where quarantine_reason is null
),

{{ currency_rate_ctes() }},

final as (
    select
        -- ids
        campaigns.campaign_id,

        -- strings
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.journey,
        campaigns.target_stage,

        -- numerics, in the reporting currency (macros/currency.sql)
        {{ to_reporting_currency('campaigns.cost') }} as cost,

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
