"""The client's requests that a named person leave the program."""
