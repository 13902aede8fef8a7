{#- One row per journey (welcome, onboarding, cart_recovery, ...): campaign_performance summed
    over the journey's campaigns, ROI over the campaigns whose cost is known, and the uplift
    against holdouts stratified over the campaigns that have one (int_journey_uplift_tests). -#}
with

performance as (
    select * from {{ ref('campaign_performance') }}
),

uplift as (
    select * from {{ ref('int_journey_uplift_tests') }}
),

sums as (
    select
        journey,
        count(distinct campaign_id) as campaigns,
        sum(case when not is_holdout then members else 0 end) as treated_members,
        sum(case when is_holdout then members else 0 end) as holdout_members,
        sum(sends) as sends,
        sum(deliveries) as deliveries,
        sum(opens) as opens,
        sum(clicks) as clicks,
        sum(unique_openers) as unique_openers,
        sum(unique_clickers) as unique_clickers,
        sum(unsubscribes) as unsubscribes,
        sum(bounces) as bounces,
        sum(case when not is_holdout then converters else 0 end) as treated_converters,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_revenue) as attributed_revenue,
        sum(cost) as cost,
        count(cost) as costed_variants,
        sum(case when cost is not null then attributed_revenue else 0 end) as costed_attributed_revenue
    from performance
    group by 1
),

final as (
    select
        cast(sums.journey as {{ dbt.type_string() }}) as journey,
        cast(sums.campaigns as {{ dbt.type_bigint() }}) as campaigns,
        cast(sums.treated_members as {{ dbt.type_bigint() }}) as treated_members,
        cast(sums.holdout_members as {{ dbt.type_bigint() }}) as holdout_members,
        cast(sums.sends as {{ dbt.type_bigint() }}) as sends,
        cast(sums.deliveries as {{ dbt.type_bigint() }}) as deliveries,
        cast(sums.opens as {{ dbt.type_bigint() }}) as opens,
        cast(sums.clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(sums.unique_openers as {{ dbt.type_bigint() }}) as unique_openers,
        cast(sums.unique_clickers as {{ dbt.type_bigint() }}) as unique_clickers,
        cast(sums.unsubscribes as {{ dbt.type_bigint() }}) as unsubscribes,
        cast(sums.bounces as {{ dbt.type_bigint() }}) as bounces,
        cast(sums.treated_converters as {{ dbt.type_bigint() }}) as treated_converters,
        {{ kpi_ratio('sums.treated_converters', 'sums.treated_members') }} as treated_conversion_rate,
        cast(sums.attributed_orders as {{ dbt.type_bigint() }}) as attributed_orders,
        cast(sums.attributed_revenue as {{ type_money() }}) as attributed_revenue,
        cast(case when sums.costed_variants > 0 then sums.cost end as {{ type_money() }}) as cost,
        {{ kpi_ratio('(sums.costed_attributed_revenue - sums.cost)', 'sums.cost') }} as roi,
        cast(coalesce(uplift.holdout_campaigns, 0) as {{ dbt.type_bigint() }}) as holdout_campaigns,
        cast(coalesce(uplift.holdout_treated_members, 0) as {{ dbt.type_bigint() }}) as holdout_treated_members,
        cast(coalesce(uplift.holdout_treated_converters, 0) as {{ dbt.type_bigint() }}) as holdout_treated_converters,
        cast(coalesce(uplift.holdout_converters, 0) as {{ dbt.type_bigint() }}) as holdout_converters,
        cast(uplift.uplift_difference as {{ type_double() }}) as uplift_difference,
        cast(uplift.uplift_ci_low as {{ type_double() }}) as uplift_ci_low,
        cast(uplift.uplift_ci_high as {{ type_double() }}) as uplift_ci_high,
        cast(uplift.uplift_p_value as {{ type_double() }}) as uplift_p_value,
        cast(uplift.incremental_converters as {{ type_double() }}) as incremental_converters
    from sums
    left join uplift on sums.journey = uplift.journey
)

select * from final
