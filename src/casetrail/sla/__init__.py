"""SLA clocks: business calendars, policies, response and resolution deadlines."""
