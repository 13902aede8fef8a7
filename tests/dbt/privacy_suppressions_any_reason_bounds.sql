-- privacy_suppressions counts a person under every reason that applies and once under
-- any_reason, so per channel: the largest reason <= any_reason <= the sum of the reasons, and
-- nobody is kept out without a reason. Returns the channels where that fails.
with

suppressions as (
    select * from {{ ref('privacy_suppressions') }}
    where suppression_reason != 'deletion_request'
),

per_channel as (
    select
        channel,
        sum(case when suppression_reason = 'any_reason' then people else 0 end) as any_reason,
        max(case when suppression_reason != 'any_reason' then people else 0 end) as largest_reason,
        sum(case when suppression_reason != 'any_reason' then people else 0 end) as reasons_summed
    from suppressions
    group by 1
)

select *
from per_channel
where largest_reason > any_reason
    or any_reason > reasons_summed
