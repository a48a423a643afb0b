# Tasks for readers, learners and authors. Every target sets up the environment first if needed.
#   make book      set up, then build the HTML book into _build/html (open _build/html/index.html)
#   make test      set up, then run every test (lib, notebooks under nbval, sync check, book build)
#   make pdf       set up, then build the whole book as one PDF into _build/latex/book.pdf (needs XeLaTeX)
#   make serve     build, then serve the book on http://127.0.0.1:8000
#   make lab       open the chapters in JupyterLab, in the project's environment
#   make refresh   re-execute chapters and store their reference outputs (NB=book/part1/x.md for one)
#   make student   build the student edition (exercises without solutions) into _build/student-src/_build/html
#   make lint      ruff on lib, tests and scripts
#   make clean     remove the built book and its execution cache

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
NB ?=

# One BLAS thread wherever reference outputs are produced or checked.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: setup book pdf test serve lab refresh student lint clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

# XeLaTeX with xeCJK for the source's Chinese quotations. On Debian:
#   apt-get install texlive-xetex texlive-lang-chinese texlive-latex-extra latexmk fonts-noto-cjk
# Shares the execution cache with `make book`: after it, only LaTeX runs (about 1.5 minutes here).
pdf: $(STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || { echo "make pdf needs XeLaTeX and \
	latexmk; on Debian: apt-get install texlive-xetex texlive-lang-chinese texlive-latex-extra latexmk \
	fonts-noto-cjk"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@echo "The PDF is at $(CURDIR)/_build/latex/book.pdf"

test: $(STAMP)
	$(BIN)/pytest

serve: book
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

lab: $(STAMP)
	$(BIN)/jupyter lab

refresh: $(STAMP)
	$(BIN)/python scripts/refresh.py $(NB)

student: $(STAMP)
	$(BIN)/python scripts/student_edition.py

lint: $(STAMP)
	$(BIN)/ruff check lib tests scripts

clean:
	rm -rf _build
