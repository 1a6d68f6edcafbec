"""Avatars: Anny bodies fitted to tape measurements, user meshes, poses, keypoints, collision proxy.

Engine modules (everything but ``nodes.py``) take and return NumPy arrays in metres, Y up, the body
standing on y = 0 facing +Z. See ``anny_model`` for where the Anny cache lives.
"""
