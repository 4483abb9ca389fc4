// EventOutput: placeholder until its first file lands.
