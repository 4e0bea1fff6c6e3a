"""The demo mailbox: realistic German and English mail written by this project, generated from code.

``demo_messages()`` builds the same messages for the same seed and reference time; ``emails.demo.maildir``
writes them into a pymap Maildir (without Django) and ``emails.demo.server`` gives the demo user an account
on the server that serves it.
"""

from emails.demo.generator import DEMO_FOLDERS, DemoMessage, demo_messages

__all__ = ["DEMO_FOLDERS", "DemoMessage", "demo_messages"]
