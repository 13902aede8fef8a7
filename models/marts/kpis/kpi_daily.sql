{#- Daily KPIs up to as_of_date (formulas in _kpis__models.yml; rates in percent).
    Deleted persons are excluded from person counts, not from revenue (money stays booked). -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders as (
    select
        cast(orders.ordered_at as date) as activity_date,
        orders.customer_key,
        orders.total_amount,
        sequenced.order_number
    from {{ ref('int_orders_resolved') }} as orders
    left join {{ ref('int_completed_orders_sequenced') }} as sequenced
        on orders.order_id = sequenced.order_id
    where orders.is_completed
),

sessions as (
    select
        cast(started_at as date) as activity_date,
        is_converted,
        products_added > 0 as has_cart
    from {{ ref('int_sessions') }}
),

messages as (
    select cast(occurred_at as date) as activity_date, message_event
    from {{ ref('stg_raw__message_events') }}
    where channel = 'email' and coalesce(variant, '') != 'control'
),

surveys as (
    select cast(responded_at as date) as activity_date, survey_type, score
    from {{ ref('stg_raw__survey_responses') }}
    where responded_at is not null
),

days as (
    select cast(date_day as date) as kpi_date
    from ({{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2100-01-01' as date)") }}) as spine
    cross join as_of
    where cast(date_day as date) <= as_of.as_of_date
        and cast(date_day as date) >= (select min(activity_date) from orders)
),

order_kpis as (
    select
        activity_date,
        count(*) as orders,
        sum(total_amount) as revenue,
        count(distinct customer_key) as active_customers,
        count(distinct case when order_number = 1 then customer_key end) as new_customers
    from orders
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
        activity_date,
        sum(case when message_event = 'sent' then 1 else 0 end) as emails_sent,
        sum(case when message_event = 'delivered' then 1 else 0 end) as emails_delivered,
        sum(case when message_event = 'opened' then 1 else 0 end) as email_opens,
        sum(case when message_event = 'clicked' then 1 else 0 end) as email_clicks,
        sum(case when message_event = 'unsubscribed' then 1 else 0 end) as email_unsubscribes,
        sum(case when message_event = 'bounced' then 1 else 0 end) as email_bounces
    from messages
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

final as (
    select
        days.kpi_date,
        coalesce(order_kpis.revenue, 0) as revenue,
        coalesce(order_kpis.orders, 0) as orders,
        case when order_kpis.orders > 0 then order_kpis.revenue / order_kpis.orders end as average_order_value,
        coalesce(order_kpis.new_customers, 0) as new_customers,
        coalesce(order_kpis.active_customers, 0) as active_customers,
        coalesce(session_kpis.sessions, 0) as sessions,
        case when session_kpis.sessions > 0
            then 100.0 * session_kpis.converted_sessions / session_kpis.sessions end as conversion_rate,
        case when session_kpis.cart_sessions > 0
            then 100.0 * session_kpis.abandoned_cart_sessions / session_kpis.cart_sessions end as cart_abandonment_rate,
        coalesce(email_kpis.emails_sent, 0) as emails_sent,
        case when email_kpis.emails_delivered > 0
            then 100.0 * email_kpis.email_opens / email_kpis.emails_delivered end as email_open_rate,
        case when email_kpis.emails_delivered > 0
            then 100.0 * email_kpis.email_clicks / email_kpis.emails_delivered end as click_through_rate,
        case when email_kpis.email_opens > 0
            then 100.0 * email_kpis.email_clicks / email_kpis.email_opens end as click_to_open_rate,
        case when email_kpis.emails_delivered > 0
            then 100.0 * email_kpis.email_unsubscribes / email_kpis.emails_delivered end as unsubscribe_rate,
        case when email_kpis.emails_sent > 0
            then 100.0 * email_kpis.email_bounces / email_kpis.emails_sent end as bounce_rate,
        case when survey_kpis.nps_responses > 0
            then 100.0 * (survey_kpis.nps_promoters - survey_kpis.nps_detractors) / survey_kpis.nps_responses end as nps,
        case when survey_kpis.csat_responses > 0
            then 100.0 * survey_kpis.csat_satisfied / survey_kpis.csat_responses end as csat
    from days
    left join order_kpis on days.kpi_date = order_kpis.activity_date
    left join session_kpis on days.kpi_date = session_kpis.activity_date
    left join email_kpis on days.kpi_date = email_kpis.activity_date
    left join survey_kpis on days.kpi_date = survey_kpis.activity_date
)

select * from final
