"""Domain and application layer of the Trend Prediction Tracker."""
