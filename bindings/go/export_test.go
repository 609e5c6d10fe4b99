package custodia

// AllStatuses lists the status constants (tests only).
func AllStatuses() []Status { return allStatuses }

// StatusConstName is the Go constant's name of a code (tests only).
func StatusConstName(s Status) string { return statusConstNames[s] }
