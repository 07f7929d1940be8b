"""Client-owned curricula, training sessions, exams and the group outcome rule."""
