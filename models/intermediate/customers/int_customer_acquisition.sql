{#- First touch per person: the traffic source of their first session, and when they were
    first and last seen on any channel (sessions, orders). -#}
with

sessions as (
    select
        customer_key,
        started_at,
        ended_at,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer,
        row_number() over (partition by customer_key order by started_at, session_id) as session_rank
    from {{ ref('int_sessions') }}
    where customer_key is not null
),

summary as (
    select
        customer_key,
        count(*) as sessions,
        min(started_at) as first_session_at,
        max(ended_at) as last_session_at,
        max(case when session_rank = 1 then coalesce(utm_source, case when referrer is null then 'direct' else 'referral' end) end)
            as acquisition_source,
        max(case when session_rank = 1 then utm_medium end) as acquisition_medium,
        max(case when session_rank = 1 then utm_campaign end) as acquisition_campaign
    from sessions
    group by 1
)

select * from summary
