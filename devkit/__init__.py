"""Development helpers shared by scripts/ (make run, bench, load, cluster) and tests/.

Never imported by the product (bot, actions, rasa_extensions): the import contracts in
pyproject.toml check it. launch: the server command lines; servers: real servers for tests and
benchmarks; rest_patient and simulate: scripted and random patients; postgres: a throwaway
PostgreSQL; patients and staff_data: synthetic patients and staff-page data; web_client: a
socket.io visitor; markers: the test kinds a launcher requires.
"""
