// Flows: placeholder until its first file lands.
