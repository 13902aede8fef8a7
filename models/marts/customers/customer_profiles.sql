{#- The 360 profile: one row per person in scope (int_persons_in_scope), known or anonymous. No
    raw email or phone: those live in restricted.customer_contacts for the syncs that need them.
    The wide profile is a mart over marts on purpose: it joins the published lifecycle stage,
    RFM segment, persona and predictions (their rules live in those marts) beside the
    intermediate per-person summaries; no intermediate model reads it back. -#}
with

persons as (
    select * from {{ ref('int_persons_in_scope') }}
),

customers as (
    select * from {{ ref('stg_raw__customers') }}
),

contacts as (
    select customer_key, email, phone_e164 from {{ ref('int_customer_contact_details') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

order_summary as (
    select * from {{ ref('int_customer_order_summary') }}
),

affinity as (
    select * from {{ ref('int_customer_product_affinity') }}
),

messaging as (
    select * from {{ ref('int_customer_messaging') }}
),

consents as (
    select * from {{ ref('int_customer_consents') }}
),

feedback as (
    select * from {{ ref('int_customer_feedback_loyalty') }}
),

acquisition as (
    select * from {{ ref('int_customer_acquisition') }}
),

lifecycle as (
    select * from {{ ref('customer_lifecycle') }}
),

rfm as (
    select * from {{ ref('customer_rfm') }}
),

personas as (
    select * from {{ ref('customer_personas') }}
),

clv as (
    select * from {{ ref('clv_predictions') }}
),

churn as (
    select * from {{ ref('churn_predictions') }}
),

purchase as (
    select * from {{ ref('purchase_predictions') }}
),

final as (
    select
        -- ids
        persons.customer_key,
        persons.customer_id,
        persons.is_identified,
        persons.customer_id is not null as is_registered,
        persons.anonymous_ids,
        persons.devices,

        -- contact hashes (SHA-256 of the normalized value; raw values are restricted)
        {{ sha256('contacts.email') }} as email_sha256,
        {{ sha256('contacts.phone_e164') }} as phone_sha256,
        contacts.email is not null as has_email,
        contacts.phone_e164 is not null as has_phone,

        -- location and language
        customers.country_code,
        customers.region,
        customers.city,
        customers.timezone,
        customers.language,

        -- consent (latest change per channel and purpose; null = never recorded)
        consents.email_marketing_consent,
        consents.sms_marketing_consent,
        consents.push_marketing_consent,
        consents.whatsapp_marketing_consent,
        consents.ads_ad_user_data_consent,
        consents.ads_ad_personalization_consent,
        consents.ads_sale_or_sharing_consent,

        -- acquisition
        acquisition.acquisition_source,
        acquisition.acquisition_medium,
        acquisition.acquisition_campaign,
        coalesce(acquisition.sessions, 0) as sessions,

        -- orders and revenue (completed orders, reporting currency, up to as_of_date)
        coalesce(order_summary.orders, 0) as orders,
        coalesce(order_summary.orders_placed, 0) as orders_placed,
        cast(coalesce(order_summary.cancelled_orders, 0) as {{ dbt.type_bigint() }}) as cancelled_orders,
        cast(coalesce(order_summary.refunded_orders, 0) as {{ dbt.type_bigint() }}) as refunded_orders,
        cast(coalesce(order_summary.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(order_summary.historic_clv, 0) as decimal(18, 2)) as historic_clv,
        order_summary.average_order_value,
        order_summary.discount_affinity,
        order_summary.avg_days_between_orders,
        {{ dbt.datediff('order_summary.last_order_at', 'as_of.as_of_date', 'day') }} as days_since_last_order,

        -- products
        affinity.favourite_category,
        affinity.favourite_brand,
        affinity.last_viewed_products,
        affinity.last_viewed_categories,
        cast(coalesce(affinity.open_cart_items, 0) as {{ dbt.type_bigint() }}) as open_cart_items,
        cast(coalesce(affinity.open_cart_value, 0) as decimal(18, 2)) as open_cart_value,
        affinity.open_cart_updated_at,
        affinity.last_product_viewed_at,

        -- messaging
        {% for channel in messaging_channels() %}
        cast(coalesce(messaging.{{ channel }}_sends, 0) as {{ dbt.type_bigint() }}) as {{ channel }}_sends,
        cast(coalesce(messaging.{{ channel }}_opens, 0) as {{ dbt.type_bigint() }}) as {{ channel }}_opens,
        cast(coalesce(messaging.{{ channel }}_clicks, 0) as {{ dbt.type_bigint() }}) as {{ channel }}_clicks,
        {% endfor %}
        {% for channel in messaging_channels() %}
        cast(case when messaging.{{ channel }}_sends > 0
            then 1.0 * messaging.{{ channel }}_opens / messaging.{{ channel }}_sends end as double) as {{ channel }}_open_rate,
        cast(case when messaging.{{ channel }}_sends > 0
            then 1.0 * messaging.{{ channel }}_clicks / messaging.{{ channel }}_sends end as double) as {{ channel }}_click_rate,
        {% endfor %}
        messaging.preferred_channel,
        messaging.channel_affinity,
        cast(messaging.best_send_hour_local as {{ dbt.type_bigint() }}) as best_send_hour_local,
        coalesce(messaging.unsubscribes, 0) > 0 as has_unsubscribed,
        coalesce(messaging.bounces, 0) > 0 as has_bounced,
        coalesce(messaging.complaints, 0) > 0 as has_complained,

        -- feedback, loyalty, referrals
        feedback.latest_nps_score,
        feedback.latest_csat_score,
        cast(coalesce(feedback.loyalty_points, 0) as {{ dbt.type_bigint() }}) as loyalty_points,
        feedback.loyalty_tier,
        cast(coalesce(feedback.referrals_made, 0) as {{ dbt.type_bigint() }}) as referrals_made,
        cast(coalesce(feedback.referrals_converted, 0) as {{ dbt.type_bigint() }}) as referrals_converted,

        -- lifecycle
        lifecycle.lifecycle_stage,
        lifecycle.stage_since,
        lifecycle.previous_stage,
        lifecycle.is_advocate,
        lifecycle.next_loyalty_anniversary,
        -- milestones beside first_order_at (first purchase) and orders (nth order)
        lifecycle.repeat_purchase_at,
        coalesce(lifecycle.is_anniversary_next_7_days, false) as is_anniversary_next_7_days,

        -- segments
        rfm.rfm_segment,
        rfm.rfm_score,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        personas.persona,

        -- predictions (null for people without a completed order, or when a model could not fit)
        clv.probability_alive,
        clv.predicted_orders,
        clv.expected_order_value,
        clv.predicted_clv,
        coalesce(order_summary.historic_clv, 0) + coalesce(clv.predicted_clv, 0) as total_clv,
        clv.clv_tier,
        -- forward-looking: never before as_of_date (clv_predictions)
        clv.expected_next_order_date,
        churn.churn_probability,
        churn.churn_decile,
        -- the churn model's view beside the rule-based stage (DECISIONLOG "Predicted churn risk")
        coalesce(churn.churn_probability > {{ var('at_risk_churn_probability') }}, false)
            as is_predicted_churn_risk,
        purchase.purchase_probability,
        purchase.purchase_decile,

        -- timestamps
        customers.created_at as signed_up_at,
        order_summary.first_order_at,
        order_summary.last_order_at,
        least(
            coalesce(persons.first_seen_at, acquisition.first_session_at),
            coalesce(acquisition.first_session_at, persons.first_seen_at)
        ) as first_seen_at,
        greatest(
            coalesce(persons.last_seen_at, acquisition.last_session_at),
            coalesce(acquisition.last_session_at, persons.last_seen_at)
        ) as last_seen_at,
        as_of.as_of_date

    from persons
    cross join as_of
    left join customers on persons.customer_id = customers.customer_id
    left join contacts on persons.customer_key = contacts.customer_key
    left join order_summary on persons.customer_key = order_summary.customer_key
    left join affinity on persons.customer_key = affinity.customer_key
    left join messaging on persons.customer_key = messaging.customer_key
    left join consents on persons.customer_key = consents.customer_key
    left join feedback on persons.customer_key = feedback.customer_key
    left join acquisition on persons.customer_key = acquisition.customer_key
    left join lifecycle on persons.customer_key = lifecycle.customer_key
    left join clv on persons.customer_key = clv.customer_key
    left join churn on persons.customer_key = churn.customer_key
    left join purchase on persons.customer_key = purchase.customer_key
    left join rfm on persons.customer_key = rfm.customer_key
    left join personas on persons.customer_key = personas.customer_key
)

select * from final
