"""What happens to a post, for the features that follow posts (problems open their record).

Receivers run in the sender's transaction, so what they write commits or rolls back with it.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the Post, just submitted; `fields`: a problem report's SARA fields (or {}).
post_submitted = _signals.signal("post-submitted")
# sender: a submitted Post its author edited; `fields`: the SARA fields sent with the edit.
post_revised = _signals.signal("post-revised")
