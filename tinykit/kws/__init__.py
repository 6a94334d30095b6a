"""Keyword spotting: data sets, the MFCC front end (calling the C code in
firmware/features/), training, deployment and listening."""
