"""Travel times, the OR-Tools model, wave planning and route sheets."""
