// Placeholder; replaced by the example app.
