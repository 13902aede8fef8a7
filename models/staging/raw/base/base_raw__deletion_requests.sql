{#- Every delivered deletion request, typed, with its quarantine verdict (null = staged).
    A legal obligation is never dropped for its form: a request is only quarantined when it
    names nobody (no customer_id and no email) or repeats an earlier request. A request with
    an unparseable date is still honoured (requested_at null). -#}
with

source as (
    select
        *,
        {{ copy_number('deletion_requests', ['customer_id', 'email', 'requested_at', 'regulation']) }} as copy_number
    from {{ source('raw', 'deletion_requests') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.customer_id', 'source.email']) }} as source_key,

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings
        {{ normalize_email('source.email') }} as email,
        lower({{ clean_text('source.regulation') }}) as regulation,

        -- timestamps
        -- a placeholder date (before earliest_plausible_date) is no date; the request still counts
        case when not {{ is_implausibly_early('source.requested_at') }}
            then {{ parse_timestamp(clean_text('source.requested_at')) }}
        end as requested_at,

        case
            when {{ is_blank('source.customer_id') }} and {{ is_blank('source.email') }}
                then 'null_key'
        end as check_reason

    from source
),

final as (
    -- the earliest request for a person counts; repeats are kept in quarantine as superseded
    {{ quarantine_verdict('checked', ['customer_id', 'email'], 'requested_at nulls last, _raw_row_id') }}
)

select * from final
