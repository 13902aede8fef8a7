{#- Daily KPIs for every day from the first fact to as_of_date; formulas per column in
    _kpis__models.yml, rates in percent. Every ratio ships its numerator and denominator so a BI
    tool or MetricFlow can re-aggregate it over any period. Money and order counts include every
    completed order (they reconcile with staging); person counts leave out persons with a
    deletion request, as every person-level mart does. Stocks are measured at the end of the day
    (int_kpi_daily_stocks). -#}
with

days as (
    select * from {{ ref('int_kpi_days') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders as (
    select cast(ordered_at as date) as activity_date, total_amount
    from {{ ref('int_orders_resolved') }}
    where is_completed
),

spans as (
    select * from {{ ref('int_kpi_customer_spans') }}
),

stocks as (
    select * from {{ ref('int_kpi_daily_stocks') }}
),

sessions as (
    select cast(started_at as date) as activity_date, is_converted, products_added > 0 as has_cart
    from {{ ref('int_sessions') }}
),

email_messages as (
    -- one row per email message, dated by its send: a message counts as delivered when any event
    -- shows it arrived, as opened when opened or clicked (a click implies an open), so every email
    -- rate lies between 0 and 100. Holdout ('control') members were sent nothing.
    select
        cast(min(case when message_events.message_event = 'sent' then message_events.occurred_at end) as date)
            as sent_date,
        cast(min(message_events.occurred_at) as date) as first_event_date,
        max(case when message_events.message_event in ('delivered', 'opened', 'clicked', 'unsubscribed', 'complained')
            then 1 else 0 end) as is_delivered,
        max(case when message_events.message_event in ('opened', 'clicked') then 1 else 0 end) as is_opened,
        max(case when message_events.message_event = 'clicked' then 1 else 0 end) as is_clicked,
        max(case when message_events.message_event = 'unsubscribed' then 1 else 0 end) as is_unsubscribed,
        max(case when message_events.message_event = 'bounced' then 1 else 0 end) as is_bounced
    from {{ ref('stg_raw__message_events') }} as message_events
    cross join as_of
    where message_events.channel = 'email'
        and coalesce(message_events.variant, '') != 'control'
        and message_events.occurred_at < as_of.as_of_at
    group by coalesce(message_events.message_id, message_events.message_event_id)
),

surveys as (
    select cast(responded_at as date) as activity_date, survey_type, score
    from {{ ref('stg_raw__survey_responses') }}
    where responded_at is not null
),

clv as (
    select * from {{ ref('clv_predictions') }}
),

order_kpis as (
    select activity_date, count(*) as orders, sum(total_amount) as revenue
    from orders
    group by 1
),

buyer_kpis as (
    select
        order_date as activity_date,
        count(distinct customer_key) as buyers,
        sum(case when order_number = 1 then 1 else 0 end) as new_customers
    from spans
    group by 1
),

lapse_kpis as (
    select lapsed_date as activity_date, count(*) as customers_lapsed
    from spans
    where lapsed_date is not null
    group by 1
),

session_kpis as (
    select
        activity_date,
        count(*) as sessions,
        sum(case when is_converted then 1 else 0 end) as converted_sessions,
        sum(case when has_cart then 1 else 0 end) as cart_sessions,
        sum(case when has_cart and not is_converted then 1 else 0 end) as abandoned_cart_sessions
    from sessions
    group by 1
),

email_kpis as (
    select
        coalesce(sent_date, first_event_date) as activity_date,
        count(*) as emails_sent,
        sum(is_delivered) as emails_delivered,
        sum(is_opened) as email_opens,
        sum(is_clicked) as email_clicks,
        sum(is_unsubscribed) as email_unsubscribes,
        sum(is_bounced) as email_bounces
    from email_messages
    group by 1
),

survey_kpis as (
    select
        activity_date,
        sum(case when survey_type = 'nps' then 1 else 0 end) as nps_responses,
        sum(case when survey_type = 'nps' and score >= 9 then 1 else 0 end) as nps_promoters,
        sum(case when survey_type = 'nps' and score <= 6 then 1 else 0 end) as nps_detractors,
        sum(case when survey_type = 'csat' then 1 else 0 end) as csat_responses,
        sum(case when survey_type = 'csat' and score >= 4 then 1 else 0 end) as csat_satisfied
    from surveys
    group by 1
),

clv_kpis as (
    -- predictions exist only as of as_of_date
    select
        as_of.as_of_date as activity_date,
        sum(cast(clv.predicted_clv as {{ type_money() }})) as predicted_clv_total,
        count(clv.customer_key) as clv_predicted_customers
    from as_of
    left join clv on 1 = 1
    group by 1
),

counts as (
    select
        days.kpi_date,
        coalesce(order_kpis.revenue, 0) as revenue,
        coalesce(order_kpis.orders, 0) as orders,
        coalesce(buyer_kpis.buyers, 0) as buyers,
        coalesce(buyer_kpis.new_customers, 0) as new_customers,
        stocks.customers,
        stocks.identified_users,
        stocks.identified_customers,
        stocks.repeat_customers,
        stocks.active_customers,
        stocks.loyal_customers,
        stocks.active_users_30d,
        coalesce(lag(stocks.buyers) over (order by days.kpi_date), 0) as customers_at_start,
        coalesce(lapse_kpis.customers_lapsed, 0) as customers_lapsed,
        stocks.historic_clv_total,
        clv_kpis.predicted_clv_total,
        clv_kpis.clv_predicted_customers,
        coalesce(session_kpis.sessions, 0) as sessions,
        coalesce(session_kpis.converted_sessions, 0) as converted_sessions,
        coalesce(session_kpis.cart_sessions, 0) as cart_sessions,
        coalesce(session_kpis.abandoned_cart_sessions, 0) as abandoned_cart_sessions,
        coalesce(email_kpis.emails_sent, 0) as emails_sent,
        coalesce(email_kpis.emails_delivered, 0) as emails_delivered,
        coalesce(email_kpis.email_opens, 0) as email_opens,
        coalesce(email_kpis.email_clicks, 0) as email_clicks,
        coalesce(email_kpis.email_unsubscribes, 0) as email_unsubscribes,
        coalesce(email_kpis.email_bounces, 0) as email_bounces,
        coalesce(survey_kpis.nps_responses, 0) as nps_responses,
        coalesce(survey_kpis.nps_promoters, 0) as nps_promoters,
        coalesce(survey_kpis.nps_detractors, 0) as nps_detractors,
        coalesce(survey_kpis.csat_responses, 0) as csat_responses,
        coalesce(survey_kpis.csat_satisfied, 0) as csat_satisfied
    from days
    inner join stocks on days.kpi_date = stocks.kpi_date
    left join order_kpis on days.kpi_date = order_kpis.activity_date
    left join buyer_kpis on days.kpi_date = buyer_kpis.activity_date
    left join lapse_kpis on days.kpi_date = lapse_kpis.activity_date
    left join session_kpis on days.kpi_date = session_kpis.activity_date
    left join email_kpis on days.kpi_date = email_kpis.activity_date
    left join survey_kpis on days.kpi_date = survey_kpis.activity_date
    left join clv_kpis on days.kpi_date = clv_kpis.activity_date
),

final as (
    select
        kpi_date,
        {{ kpi_columns('counts') }}
    from counts
)

select * from final
