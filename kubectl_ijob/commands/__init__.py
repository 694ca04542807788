"""One module per concept; each verb turns flags into an options object and calls
run(options, client). app.py registers them."""
