{#- One row per campaign x variant: message counts, converters and conversion rate, last-touch
    attributed orders and revenue, cost and ROI, and the A/B and holdout statistics computed in
    Python (int_campaign_variant_tests). The campaign's cost is split over its treated variants
    by their share of treated members (the holdout was sent nothing, so it costs nothing),
    rounded to cents: money stays decimal, so sums are exact and the same in every build. -#}
with

results as (
    select * from {{ ref('int_campaign_variant_results') }}
),

tests as (
    select * from {{ ref('int_campaign_variant_tests') }}
),

campaigns as (
    select * from {{ ref('stg_raw__campaigns') }}
),

treated_members as (
    select campaign_id, sum(members) as members
    from results
    where variant != 'control'
    group by 1
),

joined as (
    select
        results.*,
        campaigns.campaign_name,
        coalesce(campaigns.journey, 'unknown') as journey,
        campaigns.channel,
        results.variant = 'control' as is_holdout,
        {#- the share as a double rounded with round_double, which is what DuckDB's cast of the
            division did; Spark's decimal division and cast rounded 2 cents of the test shop's
            journey costs the other way -#}
        cast(
            case when results.variant != 'control' and treated_members.members > 0
                then {{ round_double(
                    'cast(campaigns.cost * results.members as double) / treated_members.members', 2
                ) }} end
            as {{ type_money() }}
        ) as cost,
        tests.ab_difference,
        tests.ab_ci_low,
        tests.ab_ci_high,
        tests.ab_p_value,
        tests.uplift_difference,
        tests.uplift_ci_low,
        tests.uplift_ci_high,
        tests.uplift_p_value
    from results
    left join campaigns on results.campaign_id = campaigns.campaign_id
    left join treated_members on results.campaign_id = treated_members.campaign_id
    left join tests on results.campaign_id = tests.campaign_id and results.variant = tests.variant
),

final as (
    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(variant as {{ dbt.type_string() }}) as variant,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(journey as {{ dbt.type_string() }}) as journey,
        cast(channel as {{ dbt.type_string() }}) as channel,
        is_holdout,
        members,
        sends,
        deliveries,
        opens,
        clicks,
        unique_openers,
        unique_clickers,
        unsubscribes,
        bounces,
        converters,
        {{ kpi_ratio('converters', 'members') }} as conversion_rate,
        attributed_orders,
        attributed_revenue,
        cost,
        {{ kpi_ratio('(attributed_revenue - cost)', 'cost') }} as roi,
        cast(ab_difference as {{ type_double() }}) as ab_difference,
        cast(ab_ci_low as {{ type_double() }}) as ab_ci_low,
        cast(ab_ci_high as {{ type_double() }}) as ab_ci_high,
        cast(ab_p_value as {{ type_double() }}) as ab_p_value,
        cast(uplift_difference as {{ type_double() }}) as uplift_difference,
        cast(uplift_ci_low as {{ type_double() }}) as uplift_ci_low,
        cast(uplift_ci_high as {{ type_double() }}) as uplift_ci_high,
        cast(uplift_p_value as {{ type_double() }}) as uplift_p_value,
        cast(uplift_difference * members as {{ type_double() }}) as incremental_converters
    from joined
)

select * from final
