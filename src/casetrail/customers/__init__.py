"""The customer directory: who casetrail serves, with their contact details and their ids
in other systems. Event-sourced like cases; personal fields are crypto-shredded."""
