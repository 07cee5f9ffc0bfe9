"""Six short labeled sentences, two per topic, shared by the loading tests."""

TEXTS = [
    "the football team won the league",
    "a warm bread recipe for dinner",
    "the new laptop has a faster chip",
    "the coach praised every player today",
    "slow cooked soup with plenty of spice",
    "cloud servers keep the network running",
]
LABELS = ["sport", "food", "tech", "sport", "food", "tech"]
