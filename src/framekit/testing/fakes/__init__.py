"""Local stand-ins for network services, so vendor processors are tested offline.

Each fake speaks the vendor's real wire protocol on 127.0.0.1, so the vendor's own
SDK talks to it unchanged; tests script what it answers and inject faults.
"""
