# The MLflow tracking server and registry in its own image: full mlflow pins graphql-core
# below what strawberry needs, so it never shares an environment with the services.
FROM python:3.11-slim
RUN pip install --no-cache-dir "mlflow==3.17.2" "psycopg2-binary>=2.9,<3"
EXPOSE 5000
ENTRYPOINT ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000"]
