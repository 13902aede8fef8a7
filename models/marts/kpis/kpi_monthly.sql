{#- Monthly KPIs up to as_of_date (formulas in _kpis__models.yml; rates in percent). Flow KPIs
    add up the days of the month; stock KPIs (customers, rates of the customer base, churn) are
    measured on customer_lifecycle_history at the month end. The current month ends at
    as_of_date. -#}
with

daily as (
    select
        cast({{ dbt.date_trunc('month', 'kpi_date') }} as date) as kpi_month,
        *
    from {{ ref('kpi_daily') }}
),

history as (
    select
        cast({{ dbt.date_trunc('month', 'period_end') }} as date) as kpi_month,
        customer_key,
        lifecycle_stage,
        orders,
        period_end
    from {{ ref('customer_lifecycle_history') }}
),

previous_history as (
    -- the same person at the previous month end, to count who lapsed during the month
    select
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'period_end')) }} as date) as kpi_month,
        customer_key,
        lifecycle_stage
    from {{ ref('customer_lifecycle_history') }}
    where not is_current
),

identified as (
    select customer_key from {{ ref('int_persons') }} where is_identified
),

activity as (
    select distinct customer_key, cast(event_at as date) as activity_date
    from {{ ref('int_events_resolved') }}
    where customer_key is not null
    union
    select distinct customer_key, cast(ordered_at as date)
    from {{ ref('int_orders_resolved') }}
),

month_ends as (
    select kpi_month, max(period_end) as month_end from history group by 1
),

active_users as (
    select month_ends.kpi_month, count(distinct activity.customer_key) as active_users_30d
    from month_ends
    inner join activity
        on activity.activity_date <= month_ends.month_end
        and activity.activity_date > cast({{ dbt.dateadd('day', -30, 'month_ends.month_end') }} as date)
    group by 1
),

flows as (
    select
        kpi_month,
        sum(revenue) as revenue,
        sum(orders) as orders,
        sum(new_customers) as new_customers,
        sum(sessions) as sessions,
        sum(emails_sent) as emails_sent
    from daily
    group by 1
),

{%- set buyer_stages = "('new_customer', 'active', 'loyal', 'reactivated', 'at_risk')" %}

stocks as (
    select
        history.kpi_month,
        sum(case when history.orders >= 1 then 1 else 0 end) as customers,
        sum(case when history.orders >= 2 then 1 else 0 end) as repeat_customers,
        sum(case when history.lifecycle_stage = 'loyal' then 1 else 0 end) as loyal_customers,
        sum(case when history.lifecycle_stage in ('new_customer', 'active', 'loyal', 'reactivated') then 1 else 0 end)
            as active_customers,
        sum(case when identified.customer_key is not null then 1 else 0 end) as identified_users,
        sum(case when previous_history.lifecycle_stage in {{ buyer_stages }} then 1 else 0 end)
            as buyers_at_start,
        sum(case when previous_history.lifecycle_stage in {{ buyer_stages }}
            and history.lifecycle_stage = 'lapsed' then 1 else 0 end) as customers_lapsed
    from history
    left join previous_history
        on history.customer_key = previous_history.customer_key
        and history.kpi_month = previous_history.kpi_month
    left join identified on history.customer_key = identified.customer_key
    group by 1
),

-- rates over the month recomputed from counts, not averaged over days
monthly_rates as (
    select
        cast({{ dbt.date_trunc('month', 'sessions.started_at') }} as date) as kpi_month,
        100.0 * sum(case when sessions.is_converted then 1 else 0 end) / count(*) as conversion_rate,
        100.0 * sum(case when sessions.products_added > 0 and not sessions.is_converted then 1 else 0 end)
            / nullif(sum(case when sessions.products_added > 0 then 1 else 0 end), 0) as cart_abandonment_rate
    from {{ ref('int_sessions') }} as sessions
    group by 1
),

email_rates as (
    select
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as kpi_month,
        sum(case when message_event = 'sent' then 1 else 0 end) as sent,
        sum(case when message_event = 'delivered' then 1 else 0 end) as delivered,
        sum(case when message_event = 'opened' then 1 else 0 end) as opens,
        sum(case when message_event = 'clicked' then 1 else 0 end) as clicks,
        sum(case when message_event = 'unsubscribed' then 1 else 0 end) as unsubscribes,
        sum(case when message_event = 'bounced' then 1 else 0 end) as bounces
    from {{ ref('stg_raw__message_events') }}
    where channel = 'email' and coalesce(variant, '') != 'control'
    group by 1
),

survey_rates as (
    select
        cast({{ dbt.date_trunc('month', 'responded_at') }} as date) as kpi_month,
        100.0 * (sum(case when survey_type = 'nps' and score >= 9 then 1 else 0 end)
            - sum(case when survey_type = 'nps' and score <= 6 then 1 else 0 end))
            / nullif(sum(case when survey_type = 'nps' then 1 else 0 end), 0) as nps,
        100.0 * sum(case when survey_type = 'csat' and score >= 4 then 1 else 0 end)
            / nullif(sum(case when survey_type = 'csat' then 1 else 0 end), 0) as csat
    from {{ ref('stg_raw__survey_responses') }}
    where responded_at is not null
    group by 1
),

final as (
    select
        flows.kpi_month,
        flows.revenue,
        flows.orders,
        case when flows.orders > 0 then flows.revenue / flows.orders end as average_order_value,
        flows.new_customers,
        coalesce(stocks.active_customers, 0) as active_customers,
        coalesce(active_users.active_users_30d, 0) as active_users_30d,
        coalesce(stocks.customers, 0) as customers,
        coalesce(stocks.identified_users, 0) as identified_users,
        100.0 * stocks.customers / nullif(stocks.identified_users, 0) as activation_rate,
        100.0 * stocks.repeat_customers / nullif(stocks.customers, 0) as repeat_customer_rate,
        100.0 * stocks.loyal_customers / nullif(stocks.repeat_customers, 0) as loyal_customer_rate,
        coalesce(stocks.customers_lapsed, 0) as customers_lapsed,
        100.0 * stocks.customers_lapsed / nullif(stocks.buyers_at_start, 0) as churn_rate,
        flows.sessions,
        monthly_rates.conversion_rate,
        monthly_rates.cart_abandonment_rate,
        flows.emails_sent,
        100.0 * email_rates.opens / nullif(email_rates.delivered, 0) as email_open_rate,
        100.0 * email_rates.clicks / nullif(email_rates.delivered, 0) as click_through_rate,
        100.0 * email_rates.clicks / nullif(email_rates.opens, 0) as click_to_open_rate,
        100.0 * email_rates.unsubscribes / nullif(email_rates.delivered, 0) as unsubscribe_rate,
        100.0 * email_rates.bounces / nullif(email_rates.sent, 0) as bounce_rate,
        survey_rates.nps,
        survey_rates.csat
    from flows
    left join stocks on flows.kpi_month = stocks.kpi_month
    left join active_users on flows.kpi_month = active_users.kpi_month
    left join monthly_rates on flows.kpi_month = monthly_rates.kpi_month
    left join email_rates on flows.kpi_month = email_rates.kpi_month
    left join survey_rates on flows.kpi_month = survey_rates.kpi_month
)

select * from final
