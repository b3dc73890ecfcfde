"""County boundaries for the console's map: synthetic ones the seed lays out, or real files loaded
with `runxin boundaries load`. Layer: platform; reads and writes files under the data dir only."""
