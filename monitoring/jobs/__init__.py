"""Background jobs: long work started on a page, followed on a page of its own.

The waitlist upload's import and the dashboard's recompute run in a Celery worker, and
the person who started one watches a progress bar until the result is there
(``BackgroundJob``). ``services``: start, hand to a worker, claim, finish, fail, sweep;
``runners``: what a worker does for each kind; ``progress``: writing progress so that it
is seen at once, also from inside the import's transaction; ``files``: the uploaded file
through the database; ``selectors``: who sees which job; ``presenter``: what a job page
shows.
"""
