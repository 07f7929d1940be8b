"""KPI definitions compiled to Ibis expressions, scope and exclusions, statistics, engines."""
