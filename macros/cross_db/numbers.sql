{#- The mean as a double, computed the same way on every engine: the exact decimal sum,
    converted once, divided by the count. avg() of a decimal is a double on DuckDB but a decimal
    rounded to 6 places on Spark, which moved the churn model's features (and so its scores)
    there. For the 18-digit amounts of staging this gives the bits DuckDB's avg() gave. (DuckDB
    averages wider decimals, such as sums, as doubles in its own row order; Spark cannot match
    that to the last bit, so such averages agree within rounding only.) -#}
{% macro average(expression) -%}
    cast(sum({{ expression }}) as double) / count({{ expression }})
{%- endmacro %}
