"""Servers: what accepts calls from a network and runs one pipeline per call.

A server sits above the transports (it builds a transport per call) and the pipeline
task (it runs the call). :mod:`framekit.servers.twilio` serves Twilio's webhooks and
Media Streams.
"""
