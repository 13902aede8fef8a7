{#- Latest NPS and CSAT, loyalty balance and tier, referrals made and converted, per person,
    up to as_of_date. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

surveys as (
    select
        graph.customer_key,
        surveys.survey_type,
        surveys.score,
        row_number() over (
            partition by graph.customer_key, surveys.survey_type
            order by surveys.responded_at desc, surveys.response_id desc
        ) as recency_rank
    from {{ ref('stg_raw__survey_responses') }} as surveys
    cross join as_of
    inner join graph on graph.node = {{ identity_node('customer_id', 'surveys.customer_id') }}
    where surveys.responded_at is null or surveys.responded_at < as_of.as_of_at
),

loyalty as (
    select graph.customer_key, sum(loyalty.points) as loyalty_points
    from {{ ref('stg_raw__loyalty_transactions') }} as loyalty
    cross join as_of
    inner join graph on graph.node = {{ identity_node('customer_id', 'loyalty.customer_id') }}
    where loyalty.occurred_at < as_of.as_of_at
    group by 1
),

referrals as (
    select
        graph.customer_key,
        count(*) as referrals_made,
        sum(case when referrals.converted_at < as_of.as_of_at
            or (referrals.converted_at is null and referrals.referred_customer_id is not null)
            then 1 else 0 end) as referrals_converted
    from {{ ref('stg_raw__referrals') }} as referrals
    cross join as_of
    inner join graph on graph.node = {{ identity_node('customer_id', 'referrals.referrer_customer_id') }}
    where referrals.created_at is null or referrals.created_at < as_of.as_of_at
    group by 1
),

people as (
    select customer_key from surveys
    union
    select customer_key from loyalty
    union
    select customer_key from referrals
),

final as (
    select
        people.customer_key,
        max(case when surveys.survey_type = 'nps' then surveys.score end) as latest_nps_score,
        max(case when surveys.survey_type = 'csat' then surveys.score end) as latest_csat_score,
        coalesce(max(loyalty.loyalty_points), 0) as loyalty_points,
        case
            when max(loyalty.loyalty_points) >= {{ var('loyalty_tier_platinum_points') }} then 'platinum'
            when max(loyalty.loyalty_points) >= {{ var('loyalty_tier_gold_points') }} then 'gold'
            when max(loyalty.loyalty_points) >= {{ var('loyalty_tier_silver_points') }} then 'silver'
            when max(loyalty.loyalty_points) is not null then 'bronze'
        end as loyalty_tier,
        coalesce(max(referrals.referrals_made), 0) as referrals_made,
        coalesce(max(referrals.referrals_converted), 0) as referrals_converted
    from people
    left join surveys on people.customer_key = surveys.customer_key and surveys.recency_rank = 1
    left join loyalty on people.customer_key = loyalty.customer_key
    left join referrals on people.customer_key = referrals.customer_key
    group by 1
)

select * from final
