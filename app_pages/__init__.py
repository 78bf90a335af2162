"""The app's pages: each reads its widgets, calls planner.*, and renders the answer."""
