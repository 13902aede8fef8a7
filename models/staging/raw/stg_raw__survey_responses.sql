{#- Survey responses, one row per response_id, that passed every check (see base_raw__survey_responses for the rules). -#}
with

survey_responses as (
    select * from {{ ref('base_raw__survey_responses') }}
    where quarantine_reason is null
),

final as (
    select
        response_id,
        customer_id,
        survey_type,
        score,
        survey_comment,
        responded_at,
        _loaded_at
    from survey_responses
)

select * from final
