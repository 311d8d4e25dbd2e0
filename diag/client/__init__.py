"""Talking to a region or the simulator: Session, connect, auth, the safety gate, pacing, usage queries."""
