"""The microphone and headset.

The audio backend, the sound server, the headset guess, and the DSP.
"""
