{#- Every delivered product row, typed, with its quarantine verdict (null = staged). -#}
with

source as (
    select
        *,
        {{ copy_number('products', ['product_id', 'name', 'category', 'brand', 'price', 'launched_at']) }} as copy_number
    from {{ source('raw', 'products') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.product_id']) }} as source_key,

        -- ids
        {{ clean_text('source.product_id') }} as product_id,

        -- strings
        {{ clean_text('source.name') }} as product_name,
        {{ clean_text('source.category') }} as category,
        {{ clean_text('source.brand') }} as brand,

        -- numerics (list price in the reporting currency; the contract has no product currency)
        {{ parse_decimal('source.price') }} as price,

        -- timestamps (a launch date may lie in the future: products are announced early)
        {{ parse_timestamp(clean_text('source.launched_at')) }} as launched_at,

        case
            when {{ is_blank('source.product_id') }} then 'null_key'
            when {{ fails_decimal('source.price') }} then 'unparseable_number'
            when {{ fails_timestamp('source.launched_at') }} then 'unparseable_timestamp'
            when {{ is_implausibly_early('source.launched_at') }} then 'implausible_timestamp'
            when {{ parse_decimal('source.price') }} < 0 then 'negative_amount'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['product_id'], '_raw_row_id desc') }}
)

select * from final
