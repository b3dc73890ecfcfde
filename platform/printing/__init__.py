"""Printable documents: the period report a county or city bureau files upward, as PDF.

Layer: platform. It turns plain figures into a PDF and reads nothing itself; the API gathers the
figures as the caller (graphql/printing.py), so what is printed is what the caller may see.

Why reportlab rather than WeasyPrint: it is pure Python with the Adobe-Asian CID font STSong-Light
built in, so Chinese prints with no system libraries (pango, cairo) and no font files to install
on a server or in CI; the PDF names the font and every reader supplies it.
"""
