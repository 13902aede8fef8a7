{#- The stage flow matrix per period, ready to chart (a heatmap or Sankey per period): one row
    per period end and stage at the previous period end, one column per stage at this period
    end. Every period has a row for every from_stage (zeros included), so charts have no holes. -#}
{%- set stages = lifecycle_stages() %}
with

transitions as (
    select * from {{ ref('customer_lifecycle_transitions') }}
),

periods as (
    select distinct period_end from transitions
),

from_stages as (
    {% for stage in lifecycle_from_stages() %}
    select '{{ stage }}' as from_stage, {{ loop.index0 }} as stage_order
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

grid as (
    select periods.period_end, from_stages.from_stage, from_stages.stage_order
    from periods
    cross join from_stages
),

final as (
    select
        grid.period_end,
        grid.from_stage,
        grid.stage_order as from_stage_order,
        cast(coalesce(sum(transitions.customers), 0) as {{ dbt.type_bigint() }}) as customers,
        cast(coalesce(sum(
            case when transitions.to_stage != transitions.from_stage then transitions.customers end
        ), 0) as {{ dbt.type_bigint() }}) as customers_moved,
        {% for stage in stages %}
        cast(coalesce(sum(
            case when transitions.to_stage = '{{ stage }}' then transitions.customers end
        ), 0) as {{ dbt.type_bigint() }}) as to_{{ stage }}{{ ',' if not loop.last }}
        {% endfor %}
    from grid
    left join transitions
        on grid.period_end = transitions.period_end
        and grid.from_stage = transitions.from_stage
    group by 1, 2, 3
)

select * from final
