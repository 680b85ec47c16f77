"""The pure core of assessments (no Django): draws, simulated fieldwork, the four figures, assignment."""
