{#- The mean as a double, computed the same way on every engine: the exact decimal sum,
    converted once, divided by the count. avg() of a decimal is a double on DuckDB but a decimal
    rounded to 6 places on Spark, which moved the churn model's features (and so its scores)
    there. For the 18-digit amounts of staging this gives the bits DuckDB's avg() gave. (DuckDB
    averages wider decimals, such as sums, as doubles in its own row order; Spark cannot match
    that to the last bit, so such averages agree within rounding only.) -#}
{% macro average(expression) -%}
    cast(sum({{ expression }}) as double) / count({{ expression }})
{%- endmacro %}


{#- round() of a double, to the same bits on DuckDB and Spark. DuckDB rounds the binary value
    scaled by 10^places (155.325 is 155.32499999999998..., so 155.32); Spark's round() rounds
    the shortest decimal form of the double (155.325, so 155.33). Scaling, rounding to a whole
    number (which both do alike) and scaling back is what DuckDB's round(x, places) does, so
    DuckDB's results do not change. -#}
{% macro round_double(expression, places) -%}
    round(({{ expression }}) * {{ 10 ** places }}, 0) / {{ 10 ** places }}
{%- endmacro %}
