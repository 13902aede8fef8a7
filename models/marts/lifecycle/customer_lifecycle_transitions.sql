{#- Moves between lifecycle stages from one period end to the next (customer_lifecycle_history),
    counted per period. A person's first period has from_stage 'new_to_warehouse'. -#}
with

history as (
    select
        customer_key,
        period_end,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by customer_key order by period_end) as previous_stage
    from {{ ref('customer_lifecycle_history') }}
),

final as (
    select
        period_end,
        coalesce(previous_stage, 'new_to_warehouse') as from_stage,
        lifecycle_stage as to_stage,
        count(*) as customers
    from history
    group by 1, 2, 3
)

select * from final
