{#- Monthly KPIs to as_of_date with the same columns and formulas as kpi_daily (macro kpi_columns).
    Flows (revenue, orders, new customers, sessions, emails, answers) are the month's sums of the
    daily counts, and rates are recomputed from those sums, never averaged over days. Stocks are
    the daily stock on the period's last day: the month end, or as_of_date for the current month.
    Two things cannot come from days: buyers (distinct persons over the month) and churn
    (persons not lapsed at the previous month end who are lapsed at this one; someone who lapses
    and orders again within the month has not churned). -#}
with

daily as (
    select
        cast({{ dbt.date_trunc('month', 'kpi_date') }} as date) as kpi_month,
        *
    from {{ ref('kpi_daily') }}
),

spans as (
    select * from {{ ref('int_kpi_customer_spans') }}
),

periods as (
    select
        kpi_month,
        min(kpi_date) as period_start_date,
        max(kpi_date) as period_end_date
    from daily
    group by 1
),

flows as (
    select
        kpi_month,
        sum(revenue) as revenue,
        sum(orders) as orders,
        sum(new_customers) as new_customers,
        sum(sessions) as sessions,
        sum(converted_sessions) as converted_sessions,
        sum(cart_sessions) as cart_sessions,
        sum(abandoned_cart_sessions) as abandoned_cart_sessions,
        sum(emails_sent) as emails_sent,
        sum(emails_delivered) as emails_delivered,
        sum(email_opens) as email_opens,
        sum(email_clicks) as email_clicks,
        sum(email_unsubscribes) as email_unsubscribes,
        sum(email_bounces) as email_bounces,
        sum(nps_responses) as nps_responses,
        sum(nps_promoters) as nps_promoters,
        sum(nps_detractors) as nps_detractors,
        sum(csat_responses) as csat_responses,
        sum(csat_satisfied) as csat_satisfied
    from daily
    group by 1
),

buyers as (
    select periods.kpi_month, count(distinct spans.customer_key) as buyers
    from periods
    inner join spans
        on periods.period_start_date <= spans.order_date
        and periods.period_end_date >= spans.order_date
    group by 1
),

lapses as (
    select periods.kpi_month, count(*) as customers_lapsed
    from periods
    inner join spans
        on periods.period_start_date <= spans.lapsed_date
        and periods.period_end_date >= spans.lapsed_date
        and (spans.next_order_date is null or periods.period_end_date < spans.next_order_date)
    group by 1
),

counts as (
    select
        periods.kpi_month,
        periods.period_end_date,
        flows.revenue,
        flows.orders,
        coalesce(buyers.buyers, 0) as buyers,
        flows.new_customers,
        period_end.customers,
        period_end.identified_users,
        period_end.identified_customers,
        period_end.repeat_customers,
        period_end.active_customers,
        period_end.loyal_customers,
        period_end.active_users_30d,
        period_start.customers_at_start,
        coalesce(lapses.customers_lapsed, 0) as customers_lapsed,
        period_end.historic_clv_total,
        period_end.predicted_clv_total,
        period_end.clv_predicted_customers,
        flows.sessions,
        flows.converted_sessions,
        flows.cart_sessions,
        flows.abandoned_cart_sessions,
        flows.emails_sent,
        flows.emails_delivered,
        flows.email_opens,
        flows.email_clicks,
        flows.email_unsubscribes,
        flows.email_bounces,
        flows.nps_responses,
        flows.nps_promoters,
        flows.nps_detractors,
        flows.csat_responses,
        flows.csat_satisfied
    from periods
    inner join flows on periods.kpi_month = flows.kpi_month
    inner join daily as period_end on periods.period_end_date = period_end.kpi_date
    inner join daily as period_start on periods.period_start_date = period_start.kpi_date
    left join buyers on periods.kpi_month = buyers.kpi_month
    left join lapses on periods.kpi_month = lapses.kpi_month
),

final as (
    select
        kpi_month,
        period_end_date,
        {{ kpi_columns('counts') }}
    from counts
)

select * from final
