// Capture: placeholder until its first file lands.
