"""Transports that need no network: WAV files as the caller and as the bot's line."""

from framekit.transports.local.wav import WavFileInput, WavFileOutput, WavFileTransport

__all__ = ["WavFileInput", "WavFileOutput", "WavFileTransport"]
